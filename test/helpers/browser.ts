import { existsSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's chromium, which `scripts/install-debian-deps.sh` installs (PLEXUS_CHROMIUM overrides). */
export const CHROMIUM = process.env.PLEXUS_CHROMIUM ?? '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

/** Fails with how to install chromium when it is missing (never a skip: the browser tests must run). */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}: the browser tests drive Debian's chromium; install it with \`bash scripts/install-debian-deps.sh\` (as root)`)
  }
}

/** A headless chromium with one desktop-sized page whose errors are printed. */
export async function openBrowserPage(): Promise<{ browser: Browser; page: Page }> {
  requireChromium()
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('pageerror', (err) => console.error('page error:', err.message))
  return { browser, page }
}
