// Preloaded with `node --import` by test/e2e/hostile-transport.test.ts: on exit, writes the process's peak
// resident set size (kilobytes, from process.resourceUsage()) to the file named by MAX_RSS_FILE.
import { writeFileSync } from 'node:fs'

process.on('exit', () => {
  if (process.env.MAX_RSS_FILE) writeFileSync(process.env.MAX_RSS_FILE, String(process.resourceUsage().maxRSS))
})
