curl 'https://api.notion.com/v1/pages/20bd8e4e98ab80c79576dcf6f6e5ee4a' \
  -H 'Notion-Version: 2025-09-03' \
  -H 'Authorization: Bearer '"$NOTION_API_KEY"''
