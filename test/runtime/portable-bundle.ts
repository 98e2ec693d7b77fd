import { builtinModules } from 'node:module';
import { build, type Message, type Metafile } from 'esbuild';

/** Node's built-in modules, with and without the `node:` prefix. */
export const NODE_BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

export interface PortableBundle {
  code: string;
  errors: Message[];
  /** Every module the bundle still imports (none may be a Node built-in). */
  imports: string[];
}

/**
 * src/portable.ts bundled as a browser bundler would (esbuild, platform 'browser'), as one script
 * that sets `globalThis.PayingFetch`. A Node built-in anywhere on the path is a build error.
 */
export async function bundlePortable(): Promise<PortableBundle> {
  try {
    const result = await build({
      entryPoints: ['src/portable.ts'],
      bundle: true,
      platform: 'browser',
      format: 'iife',
      globalName: 'PayingFetch',
      target: 'es2022',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const meta = result.metafile as Metafile;
    const imports = Object.values(meta.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
    return { code: result.outputFiles[0]!.text, errors: result.errors, imports };
  } catch (error) {
    return { code: '', errors: (error as { errors?: Message[] }).errors ?? [{ text: String(error) } as Message], imports: [] };
  }
}
