"""Documents the platform writes: .docx in the standard 公文 layout (GB/T 9704), templates, books."""
