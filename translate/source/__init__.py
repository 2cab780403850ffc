"""Reading an article: file checks, the Markdown reader, images, and the document model every stage shares."""
