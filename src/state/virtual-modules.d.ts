/** The build-time first look (vite.config.ts serves it from scripts/firstlook.ts); decoded by firstLook.ts. */
declare module 'virtual:first-look' {
  const encoded: unknown;
  export default encoded;
}
