// Labels of the planners' teams and assignments (派工), in Chinese and English;
// spread into messages.ts (the English table is typed against the Chinese one there).
export const dispatchZh = {
} as const

export const dispatchEn: Readonly<Record<keyof typeof dispatchZh, string>> = {
}
