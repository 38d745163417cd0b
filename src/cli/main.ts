import { Command, CommanderError, Option } from 'commander';
import { Interrupted, LbgenError, UsageError } from '../diagnostics.js';
import { progressLine, wantsProgress } from './progress.js';
import { FORMATS, type Format, type OutputOptions, report, wantColor } from './report.js';
import { VERSION } from '../version.js';
import * as commands from './commands.js';
import { GRAPH_FORMATS, graph } from './graph.js';

/** --format is global: FORMATS are the diagnostics' formats; the others are pictures, for graph only. */

/** commander wiring only: flags → a command → an exit code. The one place that exits. */
export async function main(argv: readonly string[]): Promise<number> {
  // Date.now(), not performance.now(): the global `performance` loads perf_hooks, 0.7 MB at every start.
  const started = Date.now();
  const program = new Command('lbgen');
  let out: OutputOptions = { format: 'text', color: false, quiet: false };
  let debug = argv.includes('--debug');
  let code = 0;
  const run = (fn: (...a: never[]) => number | Promise<number>, draws = false) => async (...args: unknown[]) => {
    const g = program.opts<{ color: boolean; quiet: boolean; format: string; debug: boolean }>();
    // A picture format (graph's) leaves the diagnostics as text.
    const format = (FORMATS as readonly string[]).includes(g.format) ? (g.format as Format) : 'text';
    out = { format, color: wantColor(g.color), stdoutColor: wantColor(g.color, 'stdout'), quiet: g.quiet };
    out = { ...out, progress: progressLine(wantsProgress(out), started) };
    debug = g.debug;
    if (!draws && !(FORMATS as readonly string[]).includes(g.format)) throw new UsageError(`--format ${g.format} draws a picture, for lbgen graph: this command takes ${FORMATS.join(', ')}`);
    code = await (fn as (...a: unknown[]) => number | Promise<number>)(...args.slice(0, -1), out);
  };
  program
    .description('Render one load-balancer topology to nginx.conf, haproxy.cfg and an AWS ALB CloudFormation template.')
    .version(VERSION, '--version')
    .option('--no-color', 'no colour in diagnostics (also NO_COLOR)')
    .option('--quiet', 'print errors only')
    .addOption(new Option('--format <format>', 'diagnostics format: github = Actions annotations, sarif = SARIF 2.1.0; graph draws mermaid (default), dot, svg or json').choices([...FORMATS, ...GRAPH_FORMATS.filter((f) => f !== 'json')]).default('text'))
    .option('--debug', 'print stack traces of internal errors')
    .showHelpAfterError('(lbgen --help lists the commands)')
    .exitOverride()
    // Each command's --help lists these too: they go before or after the command's own.
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  // Repeatable: `-t nginx -t haproxy` means both, as `-t nginx,haproxy` does (not the last one only).
  const targets = () => new Option('-t, --targets <list>', 'comma-separated, or repeated: nginx,haproxy,cloudformation (default: all three)')
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  // Repeatable, in order, as docker compose's -f: each merged over the topology and the files before it.
  const overlays = () => new Option('-f, --overlay <file>', 'a file merged over the topology (repeatable, in order): maps by key, lists replaced whole, null removes a key')
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  program.command('init').argument('[file]', 'where to write the reference topology; - for standard output', 'topology.yaml')
    .description('write the reference topology (examples/verb-app.yaml)')
    .option('--force', 'overwrite an existing file')
    .addHelpText('after', helpFooter('init'))
    .action(run(commands.init as never));
  program.command('validate').argument('<file...>', FILE)
    .description('check each topology file given (schema, references, target limits) and print every problem')
    .addOption(overlays()).addOption(targets()).option('--strict', 'warnings are errors')
    .addHelpText('after', helpFooter('validate'))
    .action(run(commands.validate as never));
  program.command('render').argument('<file>', FILE)
    .description('write the configurations of the chosen targets')
    .addOption(overlays()).addOption(targets()).option('-o, --out <dir>', 'output folder', 'out')
    .option('--stdout', 'print the single target\'s file instead of writing it')
    .option('--strict', 'warnings are errors')
    .option('--templates <dir>', 'a folder of templates that replace built-in ones per file')
    .option('--verify', 'then run nginx -t, haproxy -c and cfn-lint (those installed) on the written files')
    .addHelpText('after', helpFooter('render'))
    .action(run(commands.render as never));
  program.command('check').argument('<file>', FILE)
    .description('exit 1 with a diff when the output folder differs from what render would write')
    .addOption(overlays()).addOption(targets()).requiredOption('-o, --out <dir>', 'output folder to compare (required)')
    .option('--strict', 'warnings are errors')
    .option('--templates <dir>', 'a folder of templates that replace built-in ones per file')
    .addHelpText('after', helpFooter('check'))
    .action(run(commands.check as never));
  program.command('explain').argument('<file>', FILE)
    .description('how each target realises each feature the topology uses')
    .addOption(overlays()).addOption(targets())
    .addHelpText('after', helpFooter('explain'))
    .action(run(commands.explain as never));
  program.command('graph').argument('<file>', FILE)
    .description('draw listeners, sites, routes, pools and servers, each marked where a target approximates or lacks a feature (--format mermaid, dot, svg or json)')
    .addOption(overlays()).addOption(targets()).option('-o, --out <file>', 'write the picture to this file (default: standard output)')
    .addHelpText('after', helpFooter('graph'))
    // --format is the global option: its default (text) means mermaid here.
    .action(run((file: string, flags: { targets?: string[]; overlay?: string[]; out?: string }, o: OutputOptions) =>
      graph(file, { ...flags, format: program.getOptionValueSource('format') === 'default' ? 'mermaid' : program.opts<{ format: string }>().format }, o), true));
  program.command('schema').description('print the JSON Schema of the topology file')
    .addHelpText('after', helpFooter('schema'))
    .action(run(commands.schema as never));

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (e) {
    out.progress?.clear();
    if (e instanceof CommanderError) {
      if (e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      // commander has printed its message on stderr; a JSON reader gets it too.
      usageJson(argv, e.message.replace(/^error: /, ''));
      return 2;
    }
    if (e instanceof LbgenError) {
      report(e.diagnostics, out);
      return 1;
    }
    if (e instanceof Interrupted) {
      process.stderr.write(`lbgen: ${e.message}\n`);
      return e.signal === 'SIGINT' ? 130 : 143;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`lbgen: ${e.message}\n`);
      usageJson(argv, e.message, e.file);
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(debug ? `${err.stack ?? err.message}\n` : `lbgen: internal error: ${err.message} (a bug: please report it; --debug shows the stack)\n`);
    return 70;
  }
}

const FILE = 'topology file; - for standard input';

/** What each command's --help ends with: <file>, the required flags, the exit codes. */
const EXITS: Record<string, { file?: string; required?: string; codes: string[]; usage?: string }> = {
  init: { file: 'init - writes the topology to standard output.', codes: ['0 written'], usage: '2 usage error: unknown flag; [file] exists (without --force) or cannot be written' },
  validate: { codes: ['0 valid (warnings allowed, unless --strict)', '1 invalid, or a warning under --strict'] },
  render: { codes: ['0 written', '1 invalid (nothing written), a warning under --strict, or a validator rejected a file (--verify)'] },
  check: { required: '-o, --out <dir>', codes: ['0 up to date (or differing only in the lbgen version of a header)', '1 drifted, invalid, or a warning under --strict'] },
  explain: { codes: ['0 explained', '1 invalid'] },
  graph: { codes: ['0 drawn', '1 invalid (nothing written)'] },
  schema: { codes: ['0 printed'] },
};

function helpFooter(command: string): string {
  const e = EXITS[command]!;
  const takesFile = command !== 'init' && command !== 'schema';
  const usage = e.usage ?? (takesFile ? '2 usage error: unknown command, flag or target; <file> missing or unreadable' : '2 usage error: unknown flag');
  const lines = [''];
  if (e.file) lines.push(e.file);
  if (takesFile) lines.push('<file> may be - to read the topology from standard input (diagnostics name it <stdin>).', `Required: <file>${e.required ? ` and ${e.required}` : ''}.`);
  lines.push('Exit codes:', ...[...e.codes, usage, '70 internal error (a bug: --debug shows the stack)', '130/143 interrupted (SIGINT/SIGTERM)'].map((c) => `  ${c}`));
  lines.push('With --format json, usage errors too are a JSON array on stdout. docs/cli.md has the whole command line.');
  return lines.join('\n');
}

/**
 * With --format json a usage error is a JSON array on stdout too (stderr under render --stdout,
 * whose stdout is the config), in the diagnostics' shape: no place in the file (line 0), path
 * "(usage)". `file` is the file the error is about, else "".
 */
function usageJson(argv: readonly string[], message: string, file = ''): void {
  const json = argv.some((a, i) => a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));
  if (!json) return;
  const stream = argv.includes('--stdout') ? process.stderr : process.stdout;
  // commander's own messages run over two lines (its "Did you mean" on the second).
  const diagnostic = { severity: 'error', file, line: 0, column: 0, path: '(usage)', pointer: '', message: message.trim().replace(/\s*\n\s*/g, ' ') };
  stream.write(`${JSON.stringify([diagnostic], null, 2)}\n`);
}
