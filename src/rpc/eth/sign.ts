import { privateKeyToAccount } from 'viem/accounts'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../../primitives/errors.js'
import { parseAddress, parseData, toData, type Hex } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'

/** A signature asked of an account whose key the node does not hold (an impersonated one included: anvil cannot sign for those either). */
export class NoKeyError extends BaseError {
  override name = 'NoKeyError'
  constructor(address: Hex) {
    super(`unknown account ${address}: the node signs only for the dev accounts (eth_accounts)`, { rpcCode: RpcErrorCode.Server })
  }
}

function keyOf(dev: DevApi, address: unknown): Hex {
  const a = toData(parseAddress(address))
  const key = dev.accounts.find((x) => x.address.toLowerCase() === a)?.privateKey
  if (key === undefined) throw new NoKeyError(a)
  return key
}

/** eth_sign(address, data): EIP-191 personal message signature of `data` (geth's and anvil's eth_sign). */
export function sign(dev: DevApi, [address, data]: unknown[]): Promise<Hex> {
  return privateKeyToAccount(keyOf(dev, address)).signMessage({ message: { raw: parseData(data, 'data') } })
}

/** personal_sign(data, address): eth_sign with the parameters the other way round. */
export function personalSign(dev: DevApi, [data, address]: unknown[]): Promise<Hex> {
  return sign(dev, [address, data])
}

/** eth_signTypedData_v4(address, typedData): EIP-712 signature; typedData as a JSON string or an object. */
export async function signTypedDataV4(dev: DevApi, [address, typedData]: unknown[]): Promise<Hex> {
  const key = keyOf(dev, address)
  let parsed: unknown = typedData
  if (typeof typedData === 'string') {
    try {
      parsed = JSON.parse(typedData)
    } catch {
      throw new InvalidParamsError('invalid typedData: not valid JSON')
    }
  }
  if (typeof parsed !== 'object' || parsed === null) throw new InvalidParamsError('invalid typedData: expected an EIP-712 object {types, primaryType, domain, message}')
  const { types, primaryType, domain, message } = parsed as Record<string, unknown>
  if (typeof types !== 'object' || types === null || typeof primaryType !== 'string' || typeof message !== 'object' || message === null) {
    throw new InvalidParamsError('invalid typedData: expected an EIP-712 object {types, primaryType, domain, message}')
  }
  try {
    return await privateKeyToAccount(key).signTypedData({ types, primaryType, domain: domain ?? {}, message } as never)
  } catch (err) {
    throw new InvalidParamsError(`invalid typedData: ${(err as { shortMessage?: string }).shortMessage ?? (err as Error).message}`)
  }
}
