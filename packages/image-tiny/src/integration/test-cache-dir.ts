/**
 * Where integration tests keep the tiny image between runs, so that CI builds it
 * once: $KUMO_TEST_CACHE_DIR/tiny, default /var/tmp/kumo-test-cache/tiny. The
 * build is keyed by its inputs (manifest.json), so a stale cache rebuilds itself.
 */
import { join } from 'node:path';

export function tinyImageCacheDir(): string {
  return join(process.env['KUMO_TEST_CACHE_DIR'] ?? '/var/tmp/kumo-test-cache', 'tiny');
}
