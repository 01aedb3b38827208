export {
  createCallTracer,
  CallTracerError,
  type CallFrame,
  type CallFrameType,
  type CallLog,
  type CallTracer,
  type CallTracerConfig,
} from './callTracer.js'
export { traceCall, traceTransaction, type TraceCallOptions } from './traceTransaction.js'
export { decodeRevertReason, toGethVmError, type HaltingOp, type VmErrorContext } from './vmError.js'
