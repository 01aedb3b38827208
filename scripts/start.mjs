#!/usr/bin/env node
// `npm start [-- FLAGS]`: builds, then runs `plexus up FLAGS` in this same process, so a
// signal sent to npm reaches Plexus itself. (The former `npm run build && node … up`
// script put a shell between npm and Plexus: npm passed SIGTERM to the shell, which died
// and left Plexus running, orphaned, holding its ports.) package.json runs this with
// `exec`, so the shell npm starts is replaced by this process; and should the parent go
// away all the same, Plexus stops as on SIGTERM.
import { spawn } from 'node:child_process'
import module from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(root, 'dist/src/cli/main.js')

// Build in a child; a signal meanwhile stops the build and this launcher.
const build = spawn(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' })
let interrupted
const stopBuild = (signal) => {
  interrupted = signal
  build.kill(signal)
}
process.on('SIGINT', stopBuild)
process.on('SIGTERM', stopBuild)
const code = await new Promise((resolve) => build.once('exit', (c, s) => resolve(c ?? (s ? 1 : 0))))
process.off('SIGINT', stopBuild)
process.off('SIGTERM', stopBuild)
if (interrupted) process.exit(interrupted === 'SIGINT' ? 130 : 143)
if (code !== 0) process.exit(code)

// Orphaned (the parent died without passing a signal on, e.g. it was SIGKILLed): stop.
const parent = process.ppid
const orphaned = setInterval(() => {
  if (process.ppid === parent) return
  clearInterval(orphaned)
  process.kill(process.pid, 'SIGTERM')
}, 500)
orphaned.unref()

// Node ≥ 22.1 keeps the compiled code of the ~1,100 modules the CLI loads between runs
// (measured on 22: the network's modules load in ~440 ms instead of ~510); a no-op on 20.
module.enableCompileCache?.()
process.argv = [process.argv[0], cli, 'up', ...process.argv.slice(2)]
await import(pathToFileURL(cli).href)
