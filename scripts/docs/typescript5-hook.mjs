// SPDX-License-Identifier: MIT
// A module resolution hook for `npm run docs`: typedoc imports `typescript`,
// which in this checkout is TypeScript 7 (the native compiler, without the
// JavaScript compiler API typedoc drives). Inside typedoc, `typescript`
// resolves to the `typescript5` dev dependency (an npm alias of TypeScript 5)
// instead; everything else resolves as usual.
export async function resolve(specifier, context, nextResolve) {
  const fromTypedoc = context.parentURL?.includes('/node_modules/typedoc/');
  if (fromTypedoc && (specifier === 'typescript' || specifier.startsWith('typescript/'))) {
    return nextResolve(specifier.replace(/^typescript/, 'typescript5'), context);
  }
  return nextResolve(specifier, context);
}
