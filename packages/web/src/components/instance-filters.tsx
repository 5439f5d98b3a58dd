import { useState, type FormEvent } from 'react';
import { useI18n } from '../i18n/i18n-context.tsx';
import { phaseLabel, phases } from '../i18n/labels.ts';

export interface InstanceFilter { name: string; phase: string }

/** Name (exact, as the API filters) and phase. */
export function InstanceFilters({ value, onChange }: { value: InstanceFilter; onChange: (f: InstanceFilter) => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(value.name);
  const submit = (e: FormEvent) => { e.preventDefault(); onChange({ ...value, name: name.trim() }); };
  return (
    <form className="filters" onSubmit={submit} role="search">
      <div className="field inline">
        <label htmlFor="filter-name">{t('inst.filterName')}</label>
        <input id="filter-name" type="search" value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field inline">
        <label htmlFor="filter-phase">{t('inst.phase')}</label>
        <select id="filter-phase" value={value.phase} onChange={(e) => onChange({ name: name.trim(), phase: e.target.value })}>
          <option value="">{t('common.all')}</option>
          {phases.map((p) => <option key={p} value={p}>{phaseLabel(t, p)}</option>)}
        </select>
      </div>
      <button type="submit">{t('common.filter')}</button>
    </form>
  );
}
