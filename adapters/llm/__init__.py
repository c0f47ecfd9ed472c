"""The judge's reviewers: an OpenAI-compatible model (`openai_reviewer`) and the rules."""
