// Labels of the staff's triage of public reports (举报受理), in Chinese and English;
// spread into messages.ts (the English table is typed against the Chinese one there).
export const reportsZh = {
  'view.reports': '举报受理',
}

export const reportsEn: Record<keyof typeof reportsZh, string> = {
  'view.reports': 'Reports',
}
