import MarkdownIt from 'markdown-it';

// Raw HTML in a message stays text, links only to http(s) and mail (markdown-it refuses javascript: and the like),
// and every link opens elsewhere without telling it where it came from.
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true });
const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  tokens[index]!.attrSet('target', '_blank');
  tokens[index]!.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, index, options, env, self);
};

/** A message's Markdown as safe HTML. */
export const renderMarkdown = (text: string): string => markdown.render(text);
