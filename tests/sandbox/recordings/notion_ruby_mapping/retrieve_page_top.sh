curl 'https://api.notion.com/v1/pages/c01166c613ae45cbb96818b4ef2f5a77' \
  -H 'Notion-Version: 2025-09-03' \
  -H 'Authorization: Bearer '"$NOTION_API_KEY"''
