// Runs the built command line in this process and prints its peak resident
// memory (bytes) to stderr on exit, so a test can bound what an import costs.
// Usage: node peak-rss.mjs CLI_PATH ARGS...
const [cli, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], cli, ...args];
process.on('exit', () => {
  process.stderr.write(`\npeak-rss-bytes ${process.resourceUsage().maxRSS * 1024}\n`);
});
await import(cli);
