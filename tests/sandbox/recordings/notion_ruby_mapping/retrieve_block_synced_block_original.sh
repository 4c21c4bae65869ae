curl 'https://api.notion.com/v1/blocks/4815032e6f2443e4bc8c9bdc6299b090' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
