curl 'https://api.notion.com/v1/databases/c37a2c66e3aa4a0da44773de3b80c253' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
