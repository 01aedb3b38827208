import { parseData, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export async function sendRawTransaction(api: RpcApi, [raw]: unknown[]): Promise<Hex> {
  return api.submitRawTransaction(parseData(raw, 'transaction'))
}
