import { useState } from 'react';
import type { Instance } from '@kumo/api';
import { client } from '../api/kumo-client.ts';
import { usePagedList } from '../api/use-paged-list.ts';
import { useHostNames } from '../api/use-host-names.ts';
import { isActionAllowed } from '../lib/instance-actions.ts';
import { formatDateTime, formatMiB } from '../lib/format.ts';
import { useI18n } from '../i18n/i18n-context.tsx';
import { phaseLabel, taskLabel } from '../i18n/labels.ts';
import { ScreenHeader } from '../components/screen-header.tsx';
import { LinkTo } from '../components/link-to.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import { SortHeader } from '../components/sort-header.tsx';
import { PagerButtons } from '../components/pager-buttons.tsx';
import { ErrorNote } from '../components/error-note.tsx';
import { LoadingNote } from '../components/loading-note.tsx';
import { InstanceFilters, type InstanceFilter } from '../components/instance-filters.tsx';
import { BulkActionBar, type BulkAction } from '../components/bulk-action-bar.tsx';

/** Instances: filter, sort, page, select, and start/stop/delete in bulk. */
export function InstancesScreen() {
  const { t, lang } = useI18n();
  const [filter, setFilter] = useState<InstanceFilter>({ name: '', phase: '' });
  const [sort, setSort] = useState('-createdAt');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const hostNames = useHostNames();
  const list = usePagedList<Instance>('instances', { sort, namePrefix: filter.name || undefined, phase: filter.phase || undefined }, { kinds: ['instance'] });

  const visibleSelected = list.items.filter((i) => selected.has(i.id));
  const toggle = (id: string, on: boolean) => setSelected((s) => { const n = new Set(s); if (on) n.add(id); else n.delete(id); return n; });
  const allOn = list.items.length > 0 && visibleSelected.length === list.items.length;

  const runBulk = async (action: BulkAction) => {
    if (action === 'delete' && !window.confirm(t('inst.confirmDeleteMany', { count: visibleSelected.length }))) return;
    setBusy(true);
    setNotice(null);
    let ok = 0; let failed = 0; let skipped = 0;
    await Promise.all(visibleSelected.map(async (inst) => {
      if (!isActionAllowed(inst.phase, inst.task, action)) { skipped++; return; }
      try {
        if (action === 'delete') await client.delete('instances', inst.id); else await client.instanceAction(inst.id, action);
        ok++;
      } catch { failed++; }
    }));
    setBusy(false);
    setSelected(new Set());
    setNotice(t('inst.bulkDone', { ok, failed, skipped }));
    list.reload();
  };

  return (
    <div>
      <ScreenHeader title={t('inst.title')}>
        <LinkTo to="/instances/new" className="button primary">{t('inst.create')}</LinkTo>
      </ScreenHeader>
      <div className="toolbar">
        <InstanceFilters value={filter} onChange={setFilter} />
        <BulkActionBar count={visibleSelected.length} busy={busy} onAction={(a) => void runBulk(a)} />
      </div>
      {notice && <p className="notice" role="status">{notice}</p>}
      <ErrorNote message={list.error} />
      {!list.data ? <LoadingNote /> : (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="instances-table">
              <thead>
                <tr>
                  <th scope="col" className="check-col">
                    <input type="checkbox" aria-label={t('inst.selectAll')} checked={allOn} onChange={(e) => setSelected(e.target.checked ? new Set(list.items.map((i) => i.id)) : new Set())} />
                  </th>
                  <SortHeader field="name" label={t('common.name')} sort={sort} onSort={setSort} />
                  <SortHeader field="phase" label={t('inst.phase')} sort={sort} onSort={setSort} />
                  <th scope="col">{t('inst.task')}</th>
                  <th scope="col">{t('inst.host')}</th>
                  <th scope="col">{t('inst.size')}</th>
                  <SortHeader field="createdAt" label={t('common.createdAt')} sort={sort} onSort={setSort} />
                </tr>
              </thead>
              <tbody>
                {list.items.length === 0 && <tr><td colSpan={7} className="muted">{t('inst.none')}</td></tr>}
                {list.items.map((i) => (
                  <tr key={i.id} data-testid="instance-row" data-name={i.name} data-phase={i.phase}>
                    <td className="check-col"><input type="checkbox" aria-label={t('inst.select', { name: i.name })} checked={selected.has(i.id)} onChange={(e) => toggle(i.id, e.target.checked)} /></td>
                    <td><LinkTo to={`/instances/${i.id}`}>{i.name}</LinkTo></td>
                    <td><StatusBadge value={i.phase} label={phaseLabel(t, i.phase)} /></td>
                    <td>{taskLabel(t, i.task)}</td>
                    <td>{i.hostId ? hostNames.get(i.hostId) ?? i.hostId : '—'}</td>
                    <td className="nowrap">{t('inst.sizeValue', { vcpus: i.vcpus, memory: formatMiB(i.memoryMiB), disk: i.rootDiskGiB })}</td>
                    <td className="nowrap">{formatDateTime(i.createdAt, lang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <PagerButtons page={list.page} hasPrev={list.hasPrev} hasNext={list.hasNext} onPrev={list.prev} onNext={list.next} />
        </>
      )}
    </div>
  );
}
