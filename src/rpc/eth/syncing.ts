/** A sequencer is never syncing (geth answers `false` when in sync). */
export function syncing(): false {
  return false
}
