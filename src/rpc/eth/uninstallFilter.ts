import { InvalidParamsError } from '../../primitives/errors.js'
import type { Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function uninstallFilter(api: RpcApi, [id]: unknown[]): boolean {
  if (typeof id !== 'string') throw new InvalidParamsError('invalid filter id')
  return api.filters.uninstall(id as Hex)
}
