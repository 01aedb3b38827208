import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { Caches, MerkleStateManager } from '@ethereumjs/statemanager'
import type { Common } from '@ethereumjs/common'
import { Address, ValueEncoding, type Account } from '@ethereumjs/util'
import { RLP } from '@ethereumjs/rlp'
import type { FlatStateDiff } from '../storage/flatState.js'
import type { TrieNodeDB } from '../storage/trieNodeDB.js'
import { keccak256 } from '../primitives/crypto.js'
import type { StateTrie } from './stateTrie.js'
import { trieRoot } from './trieRoot.js'

/** An MPT over the node store, hashing with the fast keccak. */
export function createStateTrie(db: TrieNodeDB, root: Uint8Array | undefined, cacheSize = 0): MerklePatriciaTrie {
  return new MerklePatriciaTrie({
    db,
    root,
    useKeyHashing: true,
    valueEncoding: ValueEncoding.Bytes,
    cacheSize,
    common: { customCrypto: { keccak256 } },
  })
}

/**
 * The head state: ethereumjs' MerkleStateManager (with its caches, so a block's
 * reads and writes stay in memory and the trie is touched once, at the block's final
 * commit) that also records which accounts and slots a block touched, so the block
 * commit can update the flat state tables with the final values.
 */
export class HeadStateManager extends MerkleStateManager {
  private touchedAccounts = new Map<string, Address>()
  private touchedSlots = new Map<string, { address: Address; slot: Uint8Array }>()
  private clearedStorage = new Map<string, Address>()

  private flushing = false
  private deferredStorageRoots = new Map<string, Address>()

  /** `trie`: ethereumjs' MPT (read-only views) or the deferred-hashing StateTrie (the head). */
  constructor(common: Common, trie: MerklePatriciaTrie | StateTrie) {
    super({ common, trie: trie as MerklePatriciaTrie, caches: new Caches() })
  }

  override async putAccount(address: Address, account: Account | undefined): Promise<void> {
    this.touchedAccounts.set(address.toString(), address)
    return super.putAccount(address, account)
  }

  override async deleteAccount(address: Address): Promise<void> {
    this.touchedAccounts.set(address.toString(), address)
    this.clearedStorage.set(address.toString(), address)
    return super.deleteAccount(address)
  }

  override async modifyAccountFields(address: Address, fields: Parameters<MerkleStateManager['modifyAccountFields']>[1]): Promise<void> {
    this.touchedAccounts.set(address.toString(), address)
    return super.modifyAccountFields(address, fields)
  }

  override async putCode(address: Address, value: Uint8Array): Promise<void> {
    this.touchedAccounts.set(address.toString(), address)
    return super.putCode(address, value)
  }

  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const id = address.toString() + Buffer.from(key).toString('hex')
    if (!this.touchedSlots.has(id)) this.touchedSlots.set(id, { address, slot: key.slice() })
    return super.putStorage(address, key, value)
  }

  override async clearStorage(address: Address): Promise<void> {
    this.touchedAccounts.set(address.toString(), address)
    this.clearedStorage.set(address.toString(), address)
    return super.clearStorage(address)
  }

  /**
   * ethereumjs recomputes an account's storage root and re-puts the account after every
   * slot it flushes. During a flush we only modify the storage tries, then compute each
   * touched account's storage root once and flush those accounts again.
   */
  override async flush(): Promise<void> {
    this.flushing = true
    try {
      await super.flush()
    } finally {
      this.flushing = false
    }
    if (this.deferredStorageRoots.size === 0) return
    const pending = [...this.deferredStorageRoots]
    this.deferredStorageRoots.clear()
    for (const [addressHex, address] of pending) {
      const trie = this._storageTries[addressHex]
      const account = await this.getAccount(address)
      if (!account || !trie) continue // deleted later in the same block
      account.storageRoot = trie.root()
      await this.putAccount(address, account)
    }
    await super.flush()
  }

  protected override async _modifyContractStorage(
    address: Address,
    account: Account,
    modifyTrie: (storageTrie: MerklePatriciaTrie, done: Function) => void,
  ): Promise<void> {
    if (!this.flushing) return super._modifyContractStorage(address, account, modifyTrie)
    const storageTrie = this._getStorageTrie(address, account)
    await new Promise<void>((resolve) => modifyTrie(storageTrie, resolve))
    const addressHex = Buffer.from(address.bytes).toString('hex')
    this._storageTries[addressHex] = storageTrie
    this.deferredStorageRoots.set(addressHex, address)
  }

  /**
   * The flat-state diff of everything touched since the last call, read back as final
   * values (so writes that were later reverted come out as their reverted value).
   * Call after the block's state root has been computed (caches flushed).
   */
  async takeFlatDiff(): Promise<FlatStateDiff> {
    const accounts = new Map<string, { address: Uint8Array; rlp: Uint8Array | undefined }>()
    for (const [id, address] of this.touchedAccounts) {
      const account = await this.getAccount(address)
      accounts.set(id, { address: address.bytes, rlp: account ? account.serialize() : undefined })
    }
    const storage: FlatStateDiff['storage'][number][] = []
    const finalSlots = new Map<string, { address: Uint8Array; slot: Uint8Array; value: Uint8Array | undefined }[]>()
    for (const [, { address, slot }] of this.touchedSlots) {
      const value = await this.getStorage(address, slot)
      const entry = { address: address.bytes, slot, value: value.length === 0 ? undefined : value }
      storage.push(entry)
      const id = address.toString()
      if (this.clearedStorage.has(id)) {
        let list = finalSlots.get(id)
        if (!list) finalSlots.set(id, (list = []))
        list.push(entry)
      }
    }
    const cleared: Uint8Array[] = []
    for (const [id, address] of this.clearedStorage) {
      // A wipe may have been reverted. It took effect iff the account's final storage
      // is exactly the slots written in this block (checked by root); only then is it
      // safe to wipe the flat range before writing those slots.
      const account = await this.getAccount(address)
      if (!account || storageRootOf(finalSlots.get(id) ?? []).every((b, i) => b === account.storageRoot[i])) {
        cleared.push(address.bytes)
      }
    }
    this.touchedAccounts.clear()
    this.touchedSlots.clear()
    this.clearedStorage.clear()
    return { clearedStorage: cleared, accounts, storage }
  }

  /** Forget touched keys without producing a diff (the block was abandoned). */
  resetTracking(): void {
    this.touchedAccounts.clear()
    this.touchedSlots.clear()
    this.clearedStorage.clear()
  }
}

/** Storage root of exactly these slots (values as minimal bytes). */
function storageRootOf(slots: readonly { slot: Uint8Array; value: Uint8Array | undefined }[]): Uint8Array {
  return trieRoot(slots.filter((s) => s.value !== undefined).map(({ slot, value }) => [keccak256(slot), RLP.encode(value!)] as const))
}
