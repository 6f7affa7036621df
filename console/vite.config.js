// The console is built into the gateway's package (gateway/static/console), served at /console/ with no CDN and no
// Node at run time: `make console` rebuilds it; the built files are committed so `make run` needs no Node.
import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

export default defineConfig({
  base: "/console/",
  plugins: [preact()],
  build: {
    outDir: "../gateway/static/console",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 400,
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.{js,jsx}"],
  },
});
