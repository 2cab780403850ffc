"""Publishing: the run over many articles, one article's editions, the article folder, the writers and the site."""
