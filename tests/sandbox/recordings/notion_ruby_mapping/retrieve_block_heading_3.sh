curl 'https://api.notion.com/v1/blocks/fef62d73-8d83-4791-b2da-681816f56389' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
