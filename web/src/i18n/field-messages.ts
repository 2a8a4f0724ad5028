// Labels of the field users' phone screens and offline sync (外业), in Chinese and English;
// spread into messages.ts (the English table is typed against the Chinese one there).
export const fieldZh = {
} as const

export const fieldEn: Readonly<Record<keyof typeof fieldZh, string>> = {
}
