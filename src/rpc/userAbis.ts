import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'

/**
 * The user's compiled contracts, read from Foundry `out/` or Hardhat `artifacts/`
 * directories, for the dashboard to decode their calls and events. The page matches a
 * contract by its runtime bytecode (as Blockscout matches verified sources), so an
 * artifact only names what it was compiled from; nothing here is trusted to be on chain.
 */
export interface UserContract {
  name: string
  /** The artifact file, relative to its directory. */
  source: string
  abi: unknown[]
  /** Runtime bytecode as compiled (immutables zeroed, metadata kept): the page compares with sameRuntime (primitives/bytecode.ts). */
  runtime: string
  /** Byte ranges [start, length] that hold immutables: the page masks them before comparing. */
  immutables: [number, number][]
}

export interface UserAbis {
  contracts: UserContract[]
  /** Files that were not read, with why (bounded: the first MAX_SKIPPED). */
  skipped: { file: string; reason: string }[]
}

/** Bounds, so a huge or hostile directory costs bounded time and memory. */
export const USER_ABI_LIMITS = {
  /** Larger files are not artifacts worth decoding with (a contract's runtime is ≤ 24 KiB). */
  maxFileBytes: 4 * 1024 * 1024,
  /** Bytes read over all files of one scan. */
  maxTotalBytes: 64 * 1024 * 1024,
  /** Directory entries looked at over all directories. */
  maxEntries: 20_000,
  maxDepth: 6,
  maxContracts: 2_000,
  maxSkipped: 50,
}

/** Directories that never hold contract artifacts (Hardhat's build-info holds whole compiler inputs). */
const SKIP_DIRS = new Set(['build-info', 'node_modules', '.git', 'cache'])

interface FileEntry {
  dir: string
  file: string
  size: number
  mtimeMs: number
}

/** Every *.json under `dirs` (bounded), with size and mtime: the scan and the change signature in one walk. */
async function listFiles(dirs: string[], limits: typeof USER_ABI_LIMITS): Promise<{ files: FileEntry[]; skipped: UserAbis['skipped'] }> {
  const files: FileEntry[] = []
  const skipped: UserAbis['skipped'] = []
  let entries = 0
  const walk = async (root: string, rel: string, depth: number): Promise<void> => {
    if (depth > limits.maxDepth) return
    const list = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => undefined)
    if (!list) {
      if (depth === 0) skipped.push({ file: root, reason: 'not a readable directory' })
      return
    }
    for (const e of list.sort((a, b) => a.name.localeCompare(b.name))) {
      if (++entries > limits.maxEntries) return
      const relPath = path.join(rel, e.name)
      // Symbolic links are not followed: a link loop or a link to / must not make the walk unbounded.
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(root, relPath, depth + 1)
      } else if (e.isFile() && e.name.endsWith('.json') && !e.name.endsWith('.dbg.json')) {
        const s = await stat(path.join(root, relPath)).catch(() => undefined)
        if (s) files.push({ dir: root, file: relPath, size: s.size, mtimeMs: s.mtimeMs })
      }
    }
  }
  for (const d of dirs) await walk(path.resolve(d), '', 0)
  if (entries > limits.maxEntries) skipped.push({ file: dirs.join(', '), reason: `more than ${limits.maxEntries} entries: the rest were not read` })
  return { files, skipped }
}

/** One artifact, Foundry's or Hardhat's layout, or why it is not one. */
export function parseArtifact(text: string, file: string): UserContract | string {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return 'not valid JSON'
  }
  if (!json || typeof json !== 'object') return 'not an artifact object'
  const a = json as Record<string, unknown>
  if (!Array.isArray(a.abi)) return 'no abi array'
  const deployed = a.deployedBytecode
  // Foundry: { object, immutableReferences }; Hardhat: a hex string.
  const object = typeof deployed === 'string' ? deployed : deployed && typeof deployed === 'object' ? (deployed as Record<string, unknown>).object : undefined
  if (typeof object !== 'string' || !/^(0x)?[0-9a-fA-F]*$/.test(object)) return 'no deployed bytecode (or unlinked libraries)'
  const runtime = object.replace(/^0x/, '').toLowerCase()
  if (runtime.length === 0) return 'an interface or abstract contract (no runtime code)'
  const immutables: [number, number][] = []
  const refs = deployed && typeof deployed === 'object' ? (deployed as Record<string, unknown>).immutableReferences : undefined
  if (refs && typeof refs === 'object') {
    for (const list of Object.values(refs as Record<string, unknown>)) {
      if (!Array.isArray(list)) continue
      for (const r of list as { start?: unknown; length?: unknown }[]) {
        if (Number.isSafeInteger(r?.start) && Number.isSafeInteger(r?.length)) immutables.push([r.start as number, r.length as number])
      }
    }
  }
  const name = typeof a.contractName === 'string' ? a.contractName : path.basename(file, '.json')
  return { name, source: file, abi: a.abi as unknown[], runtime, immutables }
}

/** Reads every artifact under `dirs`: bad files are skipped with a reason, never thrown. */
export async function readUserAbis(dirs: string[], limits = USER_ABI_LIMITS): Promise<UserAbis> {
  const { files, skipped } = await listFiles(dirs, limits)
  const contracts: UserContract[] = []
  let total = 0
  const skip = (file: string, reason: string) => {
    if (skipped.length < limits.maxSkipped) skipped.push({ file, reason })
  }
  for (const f of files) {
    if (contracts.length >= limits.maxContracts) {
      skip(f.file, `more than ${limits.maxContracts} contracts`)
      break
    }
    if (f.size > limits.maxFileBytes) {
      skip(f.file, `larger than ${limits.maxFileBytes} bytes`)
      continue
    }
    if (total + f.size > limits.maxTotalBytes) {
      skip(f.file, `the directories hold more than ${limits.maxTotalBytes} bytes of artifacts: the rest were not read`)
      break
    }
    total += f.size
    const text = await readFile(path.join(f.dir, f.file), 'utf8').catch(() => undefined)
    if (text === undefined) {
      skip(f.file, 'not readable')
      continue
    }
    const parsed = parseArtifact(text, f.file)
    if (typeof parsed === 'string') skip(f.file, parsed)
    else contracts.push(parsed)
  }
  return { contracts, skipped }
}

/**
 * The user's ABIs, re-read when a file under the directories changes (a fresh
 * `forge build`): every request walks the tree's names and mtimes (cheap, bounded) and
 * parses again only when they differ. Concurrent requests share one read.
 */
export class UserAbiCache {
  private signature = ''
  private value: UserAbis = { contracts: [], skipped: [] }
  private body: Buffer = Buffer.from(JSON.stringify(this.value))
  private pending: Promise<Buffer> | undefined

  constructor(
    private readonly dirs: string[],
    private readonly limits = USER_ABI_LIMITS,
  ) {}

  /** The JSON body of /abis.json. */
  json(): Promise<Buffer> {
    if (this.dirs.length === 0) return Promise.resolve(this.body)
    this.pending ??= this.refresh().finally(() => (this.pending = undefined))
    return this.pending
  }

  private async refresh(): Promise<Buffer> {
    const { files } = await listFiles(this.dirs, this.limits)
    const signature = files.map((f) => `${f.dir}/${f.file}:${f.size}:${f.mtimeMs}`).join('\n')
    if (signature !== this.signature || this.signature === '') {
      this.value = await readUserAbis(this.dirs, this.limits)
      this.body = Buffer.from(JSON.stringify(this.value))
      this.signature = signature
    }
    return this.body
  }
}
