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
  const started = performance.now();
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
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: (s) => process.stderr.write(s) });

  // Repeatable: `-t nginx -t haproxy` means both, as `-t nginx,haproxy` does (not the last one only).
  const targets = () => new Option('-t, --targets <list>', 'comma-separated, or repeated: nginx,haproxy,cloudformation (default: all three)')
    .argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  program.command('init').argument('[file]', 'where to write the reference topology', 'topology.yaml')
    .description('write the reference topology (examples/verb-app.yaml)')
    .option('--force', 'overwrite an existing file')
    .action(run(commands.init as never));
  program.command('validate').argument('<files...>', 'topology files')
    .description('check each topology (schema, references, target limits) and print every problem')
    .addOption(targets()).option('--strict', 'warnings are errors')
    .action(run(commands.validate as never));
  program.command('render').argument('<file>', 'topology file')
    .description('write the configurations of the chosen targets')
    .addOption(targets()).option('-o, --out <dir>', 'output folder', 'out')
    .option('--stdout', 'print the single target\'s file instead of writing it')
    .option('--strict', 'warnings are errors')
    .option('--templates <dir>', 'a folder of templates that replace built-in ones per file')
    .option('--verify', 'then run nginx -t, haproxy -c and cfn-lint (those installed) on the written files')
    .action(run(commands.render as never));
  program.command('check').argument('<file>', 'topology file')
    .description('exit 1 with a diff when the output folder differs from what render would write')
    .addOption(targets()).requiredOption('-o, --out <dir>', 'output folder to compare')
    .option('--strict', 'warnings are errors')
    .option('--templates <dir>', 'a folder of templates that replace built-in ones per file')
    .action(run(commands.check as never));
  program.command('explain').argument('<file>', 'topology file')
    .description('how each target realises each feature the topology uses')
    .addOption(targets())
    .action(run(commands.explain as never));
  program.command('graph').argument('<file>', 'topology file')
    .description('draw listeners, sites, routes, pools and servers, each marked where a target approximates or lacks a feature (--format mermaid, dot, svg or json)')
    .addOption(targets()).option('-o, --out <file>', 'write the picture to this file (default: standard output)')
    // --format is the global option: its default (text) means mermaid here.
    .action(run((file: string, flags: { targets?: string[]; out?: string }, o: OutputOptions) =>
      graph(file, { ...flags, format: program.getOptionValueSource('format') === 'default' ? 'mermaid' : program.opts<{ format: string }>().format }, o), true));
  program.command('schema').description('print the JSON Schema of the topology file').action(run(commands.schema as never));

  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return code;
  } catch (e) {
    out.progress?.clear();
    if (e instanceof CommanderError) return e.exitCode === 0 || e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
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
      return 2;
    }
    const err = e instanceof Error ? e : new Error(String(e));
    process.stderr.write(debug ? `${err.stack ?? err.message}\n` : `lbgen: internal error: ${err.message} (a bug: please report it; --debug shows the stack)\n`);
    return 70;
  }
}
