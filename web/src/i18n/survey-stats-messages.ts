// Labels of the survey's figures and workbook (自建房排查统计、台账导入导出), in Chinese and English;
// spread into messages.ts (the English table is typed against the Chinese one there).
export const surveyStatsZh = {
  'surveyStats.title': '排查统计',
}

export const surveyStatsEn: Record<keyof typeof surveyStatsZh, string> = {
  'surveyStats.title': 'Survey figures',
}
