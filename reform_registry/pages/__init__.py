"""The pages for officials (DESIGN §7): read-only, thin over the selectors and reports."""
