curl 'https://api.notion.com/v1/databases/1d6b1040a9fb48d99a3d041429816e9f' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'