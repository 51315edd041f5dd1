// Starts Stacksim without an inline script, so that index.html's Content-Security-Policy can
// forbid inline scripts. Trunk writes this tag with the hashed file names of the build
// (Trunk.toml, `pattern_script`); the browser fetches everything from the page's own origin.
const tag = document.querySelector("script[data-stacksim-js]");
const { default: init } = await import(tag.dataset.stacksimJs);
await init({ module_or_path: tag.dataset.stacksimWasm });
