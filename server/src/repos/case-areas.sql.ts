// "A recorded (surveyed) area wins over a computed one": the one SQL definition of a case's land
// and floor area, for the ledger's totals and every statistic (DESIGN.md, Areas). Grouped statistics
// read the copy migration 018 stores per case (`chaiwei_case_figures_of`, the same rule in cents);
// tests/api/statistics-figures.test.ts holds the two to the same figures.

/** `col` qualifies the columns (e.g. 'c.' or ''). */
export const caseLandAreaSql = (col: string) => `coalesce(${col}land_area_recorded_m2, ${col}land_area_computed_m2)`
export const caseFloorAreaSql = (col: string) => `coalesce(${col}floor_area_recorded_m2, ${col}floor_area_computed_m2)`
