import { createWalletClient, custom, http, type Account, type EIP1193Provider, type Hex, type WalletClient } from 'viem'
import { hdKeyToAccount, HDKey, mnemonicToAccount } from 'viem/accounts'
import type { ChainConn } from './network'
import type { RegistryChain } from './registry'

/** The test mnemonic every dev tool funds ("test … junk"): only used when the network says it is a dev network. */
const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
const DEV_ACCOUNTS = 10

declare global {
  interface Window {
    ethereum?: EIP1193Provider
  }
}

export function injectedProvider(): EIP1193Provider | undefined {
  return typeof window !== 'undefined' ? window.ethereum : undefined
}

/** EIP-3085: asks the wallet to add the chain with the registry's parameters (it may already know it). */
export async function addChainToWallet(provider: EIP1193Provider, chain: RegistryChain): Promise<void> {
  await provider.request({ method: 'wallet_addEthereumChain', params: [chain.addEthereumChain as never] })
}

/** Makes the wallet use `chain`: switch, and add it first when the wallet does not know it (error 4902). */
export async function switchWalletTo(provider: EIP1193Provider, chain: ChainConn): Promise<void> {
  const chainId = `0x${chain.id.toString(16)}` as Hex
  try {
    await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId }] })
  } catch (err) {
    const code = (err as { code?: number }).code
    if (code !== 4902 || !chain.registryEntry) throw err
    await addChainToWallet(provider, chain.registryEntry)
    await provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId }] })
  }
}

/** Who signs: a dev account (its key, in the page) or the injected wallet's account. */
export type Signer = { kind: 'dev'; index: number; account: Account } | { kind: 'injected'; address: Hex; provider: EIP1193Provider }

export function signerAddress(s: Signer): Hex {
  return s.kind === 'dev' ? s.account.address : s.address
}

/** A wallet client for `chain`: signs locally with a dev key, or through the injected wallet after switching it to the chain. */
export async function walletFor(s: Signer, chain: ChainConn): Promise<WalletClient> {
  if (s.kind === 'dev') return createWalletClient({ account: s.account, chain: chain.viemChain, transport: http(chain.rpcUrl) })
  await switchWalletTo(s.provider, chain)
  return createWalletClient({ account: s.address, chain: chain.viemChain, transport: custom(s.provider) })
}

let devAccounts: Promise<Account[]> | undefined

/**
 * The ten dev accounts (BIP-44 m/44'/60'/0'/0/i of the test mnemonic). The seed is derived
 * once with the browser's PBKDF2 (BIP-39: 2048 rounds of HMAC-SHA512), not per account.
 */
export function loadDevAccounts(): Promise<Account[]> {
  devAccounts ??= (async () => {
    // WebCrypto exists only in secure contexts (https, or localhost); elsewhere derive in JS (slower).
    if (!globalThis.crypto?.subtle) return Array.from({ length: DEV_ACCOUNTS }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }))
    const enc = new TextEncoder()
    const key = await crypto.subtle.importKey('raw', enc.encode(DEV_MNEMONIC.normalize('NFKD')), 'PBKDF2', false, ['deriveBits'])
    const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-512', salt: enc.encode('mnemonic'), iterations: 2048 }, key, 512)
    const master = HDKey.fromMasterSeed(new Uint8Array(bits))
    return Array.from({ length: DEV_ACCOUNTS }, (_, i) => hdKeyToAccount(master, { addressIndex: i }))
  })()
  return devAccounts
}

/** Asks the injected wallet for its account. */
export async function connectInjected(provider: EIP1193Provider): Promise<Signer> {
  const [address] = (await provider.request({ method: 'eth_requestAccounts' })) as Hex[]
  if (!address) throw new Error('the wallet returned no account')
  return { kind: 'injected', address, provider }
}
