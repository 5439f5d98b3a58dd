import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import compress from '@fastify/compress';
import fastifyStatic from '@fastify/static';

/**
 * Serve the built single-page web console at / from its build directory: hashed assets are cached
 * for a year, index.html never, everything compressed. Unknown non-API paths get index.html so that
 * client-side routes survive a reload.
 */
export async function registerWebConsole(app: FastifyInstance, webRoot: string): Promise<void> {
  if (!existsSync(join(webRoot, 'index.html'))) {
    app.log.warn({ webRoot }, 'web console not built (npm run build -w @kumo/web); / will answer 404');
    return;
  }
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  // The console's files are public (the login page must load before anyone has a session).
  await app.register(async (scope) => {
    scope.addHook('onRoute', (r) => { r.config = { ...(r.config ?? {}), public: true }; });
    await scope.register(fastifyStatic, {
      root: webRoot,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      setHeaders: (res, path) => {
        void res.header('cache-control', /\/assets\//.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    scope.get('/*', { schema: { hide: true } }, (req, reply) => {
      if (req.url.startsWith('/api/')) return reply.callNotFound();
      void reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html');
    });
  });
}
