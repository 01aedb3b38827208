import { callAdmin, networkDatadir, type NetworkTarget } from '../adminClient.js'

/** `plexus snapshot save FILE`: the whole running network (L1 included) into one file. */
export async function snapshotSave(file: string, opts: NetworkTarget): Promise<void> {
  const r = (await callAdmin(networkDatadir(opts), 'admin_snapshot', [file])) as { file: string; bytes: number; heads: { chainId: number; number: string }[] }
  const heads = r.heads.map((h) => `${h.chainId}@${BigInt(h.number)}`).join(' ')
  process.stdout.write(`saved ${r.file} (${(r.bytes / 1024 / 1024).toFixed(1)} MiB): ${heads}\n`)
}
