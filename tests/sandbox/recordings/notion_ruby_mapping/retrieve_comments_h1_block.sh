curl 'https://api.notion.com/v1/comments?block_id=0250fb6d600142eca4c74efb8794fc6b'\
  -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
  -H "Notion-Version: 2025-09-03"



