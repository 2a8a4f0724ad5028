// Labels of the self-built-house safety survey (自建房安全排查): files, the phone form, worklists,
// the map layer; spread into messages.ts (the English table is typed against the Chinese one there).
export const surveyZh = {
  'view.survey': '自建房排查',
}

export const surveyEn: Record<keyof typeof surveyZh, string> = {
  'view.survey': 'House survey',
}
