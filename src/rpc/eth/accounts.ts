/** The node holds no keys: clients sign locally (geth without unlocked accounts answers []). */
export function accounts(): string[] {
  return []
}
