import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules", "../cairn/server/webui"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.strictTypeChecked],
    languageOptions: {
      ecmaVersion: 2022,
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      // we do not use the React Compiler; TanStack Virtual is fine without it
      "react-hooks/incompatible-library": "off",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      "no-restricted-syntax": [
        "error",
        { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: "Render text, never HTML." },
      ],
    },
  },
  {
    // Pages compose the rest; nothing below them (charts, workspace, run, api, lib) imports one.
    files: ["src/**/*.{ts,tsx}"],
    ignores: ["src/App.tsx", "src/main.tsx", "src/pages/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/pages/**", "**/pages"], message: "Only App and pages import pages." }] },
      ],
    },
  },
  {
    files: ["**/*.test.ts"],
    rules: { "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
