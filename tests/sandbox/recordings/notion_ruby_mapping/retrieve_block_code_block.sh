curl 'https://api.notion.com/v1/blocks/c9a46c89-109b-486a-8105-6ca82f4f6515' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
