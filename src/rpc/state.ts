import type { BlockHeader } from '@ethereumjs/block'
import { Address, KECCAK256_NULL, type Account } from '@ethereumjs/util'
import type { Chain } from '../execution/chain.js'

/**
 * State reads for RPC. The head is served from the flat tables (one LMDB read);
 * older blocks walk the trie at their state root.
 */
const CODE_PREFIX = new Uint8Array([0x63]) // 'c', ethereumjs' code-hash key prefix

function isHead(chain: Chain, header: BlockHeader): boolean {
  return Buffer.compare(chain.headHeader().stateRoot, header.stateRoot) === 0
}

export async function accountAt(chain: Chain, header: BlockHeader, address: Uint8Array): Promise<Account | undefined> {
  if (isHead(chain, header)) return chain.headAccount(address)
  return chain.stateAt(header.stateRoot).getAccount(new Address(address))
}

export async function storageAt(chain: Chain, header: BlockHeader, address: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
  if (isHead(chain, header)) return chain.headStorage(address, slot)
  return chain.stateAt(header.stateRoot).getStorage(new Address(address), slot)
}

export async function codeAt(chain: Chain, header: BlockHeader, address: Uint8Array): Promise<Uint8Array> {
  const account = await accountAt(chain, header, address)
  if (!account || Buffer.compare(account.codeHash, KECCAK256_NULL) === 0) return new Uint8Array(0)
  const key = Buffer.concat([CODE_PREFIX, account.codeHash])
  return chain.store.getTrieNode(key) ?? new Uint8Array(0)
}
