// A row of tabs (the plan-tabs look) for a panel's views, as the reports' and the survey's views use it.
export function TabBar<T extends string>({ tabs, value, onChange, label, testIdPrefix }: {
  tabs: readonly T[]
  value: T
  onChange(tab: T): void
  label(tab: T): string
  /** Each tab's data-testid is this with the tab after it. */
  testIdPrefix: string
}) {
  return (
    <nav className="plan-tabs" role="tablist">
      {tabs.map((x) => (
        <button key={x} type="button" role="tab" aria-selected={value === x} className={value === x ? 'active' : undefined} onClick={() => onChange(x)} data-testid={`${testIdPrefix}${x}`}>
          {label(x)}
        </button>
      ))}
    </nav>
  )
}
