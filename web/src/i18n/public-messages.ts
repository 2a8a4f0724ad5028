// Labels of the public pages (举报, 查询, 公示), in Chinese and English;
// spread into messages.ts (the English table is typed against the Chinese one there).
export const publicZh = {
  'public.title': '违法建设举报与公示',
}

export const publicEn: Record<keyof typeof publicZh, string> = {
  'public.title': 'Reports and published ledger',
}
