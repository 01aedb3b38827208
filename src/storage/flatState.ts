import type { Database } from 'lmdb'
import type { Tables } from './database.js'
import { buf, storageKey } from './keys.js'

/** The flat tables: the head state, one row per account and one per non-zero storage slot. */
export type FlatTables = Pick<Tables, 'accounts' | 'storage'>

/** Head-state changes of one block, keyed by raw bytes. `undefined` deletes. */
export interface FlatStateDiff {
  /** Accounts whose whole storage was wiped before `storage` is applied. */
  clearedStorage: readonly Uint8Array[]
  accounts: ReadonlyMap<string, { address: Uint8Array; rlp: Uint8Array | undefined }>
  storage: readonly { address: Uint8Array; slot: Uint8Array; value: Uint8Array | undefined }[]
}

/**
 * The rows a diff overwrites, as they were before it: writing them back undoes the diff.
 * Each row appears once; `undefined` means the row did not exist.
 */
export interface FlatStateUndo {
  accounts: { address: Uint8Array; rlp: Uint8Array | undefined }[]
  /** Keyed by `storageKey(address, slot)`. */
  storage: { key: Uint8Array; value: Uint8Array | undefined }[]
}

/**
 * What `diff` is about to overwrite. Call inside the write transaction, before
 * `applyFlatDiff`, so the rows read are exactly the ones the diff replaces.
 */
export function flatUndoOf(tables: FlatTables, diff: FlatStateDiff): FlatStateUndo {
  const accounts: FlatStateUndo['accounts'] = []
  for (const { address } of diff.accounts.values()) {
    accounts.push({ address, rlp: tables.accounts.getBinary(buf(address)) ?? undefined })
  }
  const storage: FlatStateUndo['storage'] = []
  const cleared = new Set<string>()
  for (const address of diff.clearedStorage) {
    cleared.add(Buffer.from(address).toString('hex'))
    for (const { key, value } of tables.storage.getRange(accountStorageRange(address))) storage.push({ key, value })
  }
  for (const { address, slot } of diff.storage) {
    const key = storageKey(address, slot)
    const value = tables.storage.getBinary(key) ?? undefined
    // A wiped account's existing slots were all recorded by its range above.
    if (value !== undefined && cleared.size > 0 && cleared.has(Buffer.from(address).toString('hex'))) continue
    storage.push({ key, value })
  }
  return { accounts, storage }
}

export function applyFlatDiff(tables: FlatTables, diff: FlatStateDiff): void {
  for (const address of diff.clearedStorage) {
    for (const key of tables.storage.getKeys({ ...accountStorageRange(address), snapshot: false })) tables.storage.removeSync(key)
  }
  for (const { address, rlp } of diff.accounts.values()) putOrRemove(tables.accounts, buf(address), rlp)
  for (const { address, slot, value } of diff.storage) putOrRemove(tables.storage, storageKey(address, slot), value)
}

/** Writes back the rows `flatUndoOf` recorded (in any order: each row appears once). */
export function applyFlatUndo(tables: FlatTables, undo: FlatStateUndo): void {
  for (const { address, rlp } of undo.accounts) putOrRemove(tables.accounts, buf(address), rlp)
  for (const { key, value } of undo.storage) putOrRemove(tables.storage, buf(key), value)
}

/** Every storage row of `address`: slots 0x00…00 through 0xff…ff. */
function accountStorageRange(address: Uint8Array): { start: Buffer; end: Buffer; inclusiveEnd: true } {
  return { start: storageKey(address, new Uint8Array(32)), end: storageKey(address, new Uint8Array(32).fill(0xff)), inclusiveEnd: true }
}

/** Zero slots are not stored, so an empty value deletes the row like `undefined` does. */
function putOrRemove(table: Database<Buffer, Buffer>, key: Buffer, value: Uint8Array | undefined): void {
  if (value === undefined || value.length === 0) table.removeSync(key)
  else table.putSync(key, buf(value))
}
