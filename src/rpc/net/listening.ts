export function listening(): boolean {
  return true
}
