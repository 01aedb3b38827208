import { InvalidParamsError } from '../../primitives/errors.js'
import type { Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function getFilterLogs(api: RpcApi, [id]: unknown[]): unknown[] {
  if (typeof id !== 'string') throw new InvalidParamsError('invalid filter id')
  return api.filters.logs(id as Hex)
}
