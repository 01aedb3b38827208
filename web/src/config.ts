/** What the page starts from: one RPC URL (the server's choice, or `?rpc=`), and whether the network is a dev network. */
export interface AppConfig {
  rpc: string
  dev: boolean
}

/** The dev network's first rollup, when the page is opened without a server (e.g. from a file). */
const FALLBACK_RPC = 'http://127.0.0.1:9545'

export function readConfig(): AppConfig {
  let injected: Partial<AppConfig> = {}
  const el = document.getElementById('plexus-config')
  if (el?.textContent) {
    try {
      injected = JSON.parse(el.textContent) as Partial<AppConfig>
    } catch {
      // A broken config falls back to the defaults below.
    }
  }
  const params = new URLSearchParams(location.search)
  return {
    rpc: params.get('rpc') ?? injected.rpc ?? FALLBACK_RPC,
    dev: injected.dev === true,
  }
}
