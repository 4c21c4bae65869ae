curl 'https://api.notion.com/v1/comments?block_id=c01166c613ae45cbb96818b4ef2f5a77'\
  -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
  -H "Notion-Version: 2025-09-03"