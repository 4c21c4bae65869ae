curl 'https://api.notion.com/v1/data_sources/26cd8e4e98ab81d08983000b28d9e04d' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
