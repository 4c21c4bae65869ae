"""Talking to Notion: the one gateway every request goes through (`gateway`), its token bucket
(`ratelimit`), how a failed request is classified (`failures`), and Notion's filter language read
locally (`filter_match`) and in words (`filter_text`)."""
